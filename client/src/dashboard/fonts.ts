/**
 * One font stack for the page and its charts: the platform UI font for Latin text, then a CJK face present on each
 * common platform (macOS/iOS: PingFang, Hiragino; Windows: Microsoft YaHei/JhengHei, Yu Gothic, Meiryo; Android and
 * Linux: Noto Sans CJK / Source Han Sans, WenQuanYi), so Chinese and Japanese names never fall back to empty boxes.
 * Keep in step with `--font` in dashboard.css.
 */
export const FONT_STACK = [
  'system-ui',
  '-apple-system',
  '"Segoe UI"',
  'Roboto',
  '"Helvetica Neue"',
  'Arial',
  '"PingFang SC"',
  '"PingFang TC"',
  '"Hiragino Sans"',
  '"Hiragino Sans GB"',
  '"Microsoft YaHei"',
  '"Microsoft JhengHei"',
  '"Yu Gothic UI"',
  '"Yu Gothic"',
  'Meiryo',
  '"Noto Sans CJK SC"',
  '"Noto Sans CJK TC"',
  '"Noto Sans CJK JP"',
  '"Noto Sans SC"',
  '"Source Han Sans SC"',
  '"WenQuanYi Micro Hei"',
  'sans-serif',
].join(', ');
