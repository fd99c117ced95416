import { useState } from 'react';
import type { ToolPart } from '../state/chat';
import { CodeBlock } from './CodeBlock';
import { formatDuration, prettyJson, resultImages, resultText, splitToolName } from '../lib/format';

// ------------------------------------------------------------------------------------------------
// SQL results: structured_content of execute_sql ({columns, rows, row_count, ...}) and of
// execute_sql_multi ({statements: [{statement, state, columns, rows, error, ...}]}); docs/tools.md.

export interface SqlTableData {
  title?: string;
  state?: string;
  columns: string[];
  rows: unknown[][];
  rowCount?: number;
  rowsShown?: number;
  truncated?: boolean;
  rowCountIsLowerBound?: boolean;
  savedTo?: string;
  note?: string;
  error?: string;
}

function columnNames(cols: unknown): string[] | null {
  if (!Array.isArray(cols)) return null;
  return cols.map((c, i) => (typeof c === 'string' ? c : c && typeof c === 'object' && 'name' in c ? String((c as { name: unknown }).name) : `col${i + 1}`));
}

function tableOf(o: Record<string, unknown>): SqlTableData | null {
  const columns = columnNames(o.columns);
  if (!columns || !Array.isArray(o.rows)) return null;
  const rows = (o.rows as unknown[]).map((r) =>
    Array.isArray(r) ? r : r && typeof r === 'object' ? columns.map((c) => (r as Record<string, unknown>)[c]) : [r],
  );
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    columns,
    rows,
    rowCount: n(o.row_count),
    rowsShown: n(o.rows_shown),
    truncated: o.truncated === true,
    rowCountIsLowerBound: o.row_count_is_lower_bound === true,
    savedTo: typeof o.saved_to === 'string' ? o.saved_to : undefined,
    note: typeof o.note === 'string' ? o.note : undefined,
  };
}

/** The SQL result tables in a tool result's structured content (none when it has no rows). */
export function sqlTables(structured: unknown): SqlTableData[] {
  if (!structured || typeof structured !== 'object') return [];
  const o = structured as Record<string, unknown>;
  const single = tableOf(o);
  if (single) return [single];
  if (Array.isArray(o.statements)) {
    const out: SqlTableData[] = [];
    for (const s of o.statements as Record<string, unknown>[]) {
      if (!s || typeof s !== 'object') continue;
      const t = tableOf(s) ?? (s.error ? { columns: [], rows: [] } : null);
      if (!t) continue;
      t.title = typeof s.statement === 'string' ? s.statement : undefined;
      t.state = typeof s.state === 'string' ? s.state : undefined;
      if (s.error) t.error = typeof s.error === 'string' ? s.error : prettyJson(s.error);
      out.push(t);
    }
    return out;
  }
  return [];
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function SqlTable({ table }: { table: SqlTableData }) {
  const count = table.rowCount ?? table.rows.length;
  const shown = table.rows.length;
  return (
    <figure className="sql-result">
      {table.title && (
        <figcaption className="sql-title">
          {table.state && <span className={`badge ${table.state === 'SUCCEEDED' ? 'ok' : 'bad'}`}>{table.state}</span>}{' '}
          <code>{table.title}</code>
        </figcaption>
      )}
      {table.error && <p className="error-text">{table.error}</p>}
      {table.columns.length > 0 && (
        <>
          <p className="row-count">
            {count}
            {table.rowCountIsLowerBound ? '+' : ''} {count === 1 ? 'row' : 'rows'}
            {shown < count ? ` (first ${shown} shown)` : ''}
          </p>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  {table.columns.map((c, i) => (
                    <th key={i} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((r, i) => (
                  <tr key={i}>
                    {table.columns.map((_, j) => (
                      <td key={j} className={r[j] === null || r[j] === undefined ? 'null' : undefined}>
                        {cell(r[j])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {(table.savedTo || table.note) && (
        <p className="muted small">
          {table.note}
          {table.savedTo && (
            <>
              {' '}
              All rows saved to <code>{table.savedTo}</code>.
            </>
          )}
        </p>
      )}
    </figure>
  );
}

// ------------------------------------------------------------------------------------------------

const SQL_KEYS = ['query', 'sql', 'statement'];
const FOLD_LINES = 12;
const FOLD_CHARS = 1500;

/** Splits a tool input into a highlighted snippet (SQL, a shell command) and the rest as JSON. */
function inputView(name: string, input: unknown): { code?: string; language?: string; rest: unknown } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { rest: input };
  const o = { ...(input as Record<string, unknown>) };
  for (const k of SQL_KEYS) {
    if (typeof o[k] === 'string') {
      const code = o[k] as string;
      delete o[k];
      return { code, language: 'sql', rest: o };
    }
  }
  if (Array.isArray(o.statements) && o.statements.every((s) => typeof s === 'string')) {
    const code = (o.statements as string[]).join(';\n');
    delete o.statements;
    return { code, language: 'sql', rest: o };
  }
  if (name === 'Bash' && typeof o.command === 'string') {
    const code = o.command;
    delete o.command;
    return { code, language: 'bash', rest: o };
  }
  return { rest: o };
}

function FoldedText({ text, isError }: { text: string; isError: boolean }) {
  const lines = text.split('\n');
  const long = lines.length > FOLD_LINES || text.length > FOLD_CHARS;
  const [open, setOpen] = useState(false);
  const shown = !long || open ? text : lines.slice(0, FOLD_LINES).join('\n').slice(0, FOLD_CHARS);
  return (
    <div className={`tool-output${isError ? ' error-text' : ''}`}>
      <pre>{shown}{long && !open ? '\n…' : ''}</pre>
      {long && (
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Show less' : `Show all ${lines.length} lines`}
        </button>
      )}
    </div>
  );
}

const STATUS_LABEL: Record<ToolPart['status'], string> = {
  running: 'Running…',
  done: 'Done',
  error: 'Error',
  interrupted: 'Interrupted',
};

export function ToolCard({ tool }: { tool: ToolPart }) {
  const { tool: shortName, server } = splitToolName(tool.name);
  const title = tool.displayName ?? shortName;
  const { code, language, rest } = inputView(tool.name, tool.input);
  const restJson = rest && typeof rest === 'object' && Object.keys(rest as object).length === 0 ? '' : prettyJson(rest);
  const tables = tool.result ? sqlTables(tool.result.structured) : [];
  const text = tool.result ? resultText(tool.result.content) : '';
  const images = tool.result ? resultImages(tool.result.content) : [];
  const p = tool.progress;
  return (
    <section className={`tool-card status-${tool.status}`} aria-label={`Tool call ${title}: ${STATUS_LABEL[tool.status]}`}>
      <header className="tool-head">
        <span className="tool-icon" aria-hidden="true">
          {tool.status === 'running' ? <span className="spinner" /> : tool.status === 'done' ? '✓' : tool.status === 'error' ? '✕' : '■'}
        </span>
        <span className="tool-name">{title}</span>
        {server && <span className="badge muted">{server}</span>}
        {tool.permission === 'pending' && <span className="badge warn">waiting for permission</span>}
        {tool.permission === 'deny' && <span className="badge bad">denied</span>}
        <span className={`tool-status ${tool.status}`}>{STATUS_LABEL[tool.status]}</span>
      </header>
      {code !== undefined && <CodeBlock code={code} language={language} label={`${title} ${language === 'sql' ? 'SQL' : 'command'}`} />}
      {restJson && (
        <details className="tool-input">
          <summary>Input</summary>
          <CodeBlock code={restJson} language="json" label={`${title} input`} />
        </details>
      )}
      {tool.status === 'running' && p && (
        <div className="tool-progress" role="status" aria-live="polite">
          {p.progress !== undefined && p.total !== undefined && p.total > 0 && (
            <progress value={p.progress} max={p.total} aria-label="Tool progress" />
          )}
          <span>
            {p.message ?? 'Working'}
            {p.elapsedS !== undefined ? ` · ${formatDuration(p.elapsedS * 1000)}` : ''}
          </span>
        </div>
      )}
      {tool.result && (
        <div className="tool-result">
          {tables.map((t, i) => (
            <SqlTable key={i} table={t} />
          ))}
          {images.map((src, i) => (
            <img key={i} src={src} alt={`${title} image ${i + 1}`} className="result-image" />
          ))}
          {text &&
            (tables.length > 0 ? (
              <details>
                <summary>Text output</summary>
                <FoldedText text={text} isError={tool.result.isError} />
              </details>
            ) : (
              <FoldedText text={text} isError={tool.result.isError} />
            ))}
          {!text && tables.length === 0 && images.length === 0 && <p className="muted small">(no output)</p>}
        </div>
      )}
    </section>
  );
}
