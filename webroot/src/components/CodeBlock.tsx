import { useMemo } from 'react';
import { highlight } from '../lib/highlight';

/** A read-only, highlighted code block. Very long texts are shown unhighlighted (speed). */
export function CodeBlock({ code, language, label }: { code: string; language?: string; label?: string }) {
  const html = useMemo(() => (code.length > 200_000 ? highlight(code) : highlight(code, language)), [code, language]);
  return (
    <pre className="code" aria-label={label} tabIndex={0}>
      <code className={`hljs${language ? ` language-${language}` : ''}`} dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
