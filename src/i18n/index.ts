export * from './locale';
export * from './catalogue';
