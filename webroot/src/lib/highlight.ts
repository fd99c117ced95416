// Syntax highlighting for code outside markdown (tool inputs, the file viewer): highlight.js with
// its "common" languages, the same set rehype-highlight uses for markdown, bundled (no CDN).
import hljs from 'highlight.js/lib/common';

const byExtension: Record<string, string> = {
  sql: 'sql', py: 'python', ipynb: 'json', json: 'json', yaml: 'yaml', yml: 'yaml', md: 'markdown',
  sh: 'bash', bash: 'bash', js: 'javascript', mjs: 'javascript', ts: 'typescript', tsx: 'typescript',
  jsx: 'javascript', html: 'xml', htm: 'xml', xml: 'xml', svg: 'xml', css: 'css', scala: 'scala',
  r: 'r', java: 'java', toml: 'ini', ini: 'ini', cfg: 'ini', go: 'go', rs: 'rust', c: 'c', h: 'c',
  cpp: 'cpp', hpp: 'cpp', kt: 'kotlin', rb: 'ruby', php: 'php', txt: 'plaintext', csv: 'plaintext',
  diff: 'diff', patch: 'diff', dockerfile: 'dockerfile', makefile: 'makefile',
};

/** The highlight.js language for a file name, or undefined. */
export function languageForPath(path: string): string | undefined {
  const name = path.split('/').pop()?.toLowerCase() ?? '';
  if (name === 'dockerfile' || name === 'makefile') return byExtension[name];
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const lang = byExtension[name.slice(dot + 1)];
  return lang && hljs.getLanguage(lang) ? lang : undefined;
}

/** HTML (escaped by highlight.js) for `code` in `language`; plain escaped text for an unknown one. */
export function highlight(code: string, language?: string): string {
  if (language && language !== 'plaintext' && hljs.getLanguage(language)) {
    try {
      return hljs.highlight(code, { language, ignoreIllegals: true }).value;
    } catch {
      /* fall through */
    }
  }
  return escapeHtml(code);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
