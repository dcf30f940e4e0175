import { createRoot } from 'react-dom/client';
import { App } from './app';
import { locale } from './i18n';

document.documentElement.lang = locale;
const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from the page');
createRoot(root).render(<App />);
