import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { ToolCard, sqlTables } from './ToolCard';
import { PermissionDialog } from './PermissionDialog';
import { Composer } from './Composer';
import { TodoList } from './TodoList';
import type { ToolPart } from '../state/chat';

afterEach(cleanup);

const sqlTool = (over: Partial<ToolPart> = {}): ToolPart => ({
  kind: 'tool',
  key: 'k',
  id: 'toolu_1',
  name: 'mcp__databricks__execute_sql',
  input: { query: 'SELECT id, customer FROM main.sales.orders', row_limit: 100 },
  status: 'running',
  ...over,
});

describe('ToolCard', () => {
  it('shows a running SQL call with its highlighted query and live progress', () => {
    const { container } = render(<ToolCard tool={sqlTool({ progress: { elapsedS: 12, message: 'statement RUNNING' } })} />);
    const card = screen.getByRole('region', { name: /execute_sql: Running/ });
    expect(within(card).getByText('databricks')).toBeTruthy();
    const sql = within(card).getByLabelText('execute_sql SQL');
    expect(sql.textContent).toBe('SELECT id, customer FROM main.sales.orders');
    expect(container.querySelector('.hljs-keyword')?.textContent).toBe('SELECT');
    expect(within(card).getByRole('status').textContent).toContain('statement RUNNING · 12.0 s');
    // the rest of the input as pretty JSON, without the query
    expect(within(card).getByLabelText('execute_sql input').textContent).toBe('{\n  "row_limit": 100\n}');
  });

  it('renders SQL rows as a table with the row count', () => {
    const structured = {
      columns: [{ name: 'id', type: 'bigint' }, { name: 'customer', type: 'string' }],
      rows: [['1', 'Alice'], ['2', null]],
      row_count: 2,
      rows_shown: 2,
      truncated: false,
    };
    render(<ToolCard tool={sqlTool({ status: 'done', result: { content: '2 rows\n\n| id | customer |', isError: false, structured } })} />);
    const table = screen.getByRole('table');
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['id', 'customer']);
    const cells = within(table).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toEqual(['1', 'Alice', '2', 'NULL']);
    expect(screen.getByText('2 rows')).toBeTruthy();
    expect(screen.getByRole('region', { name: /Done/ })).toBeTruthy();
  });

  it('says when only the first rows are shown', () => {
    const t = sqlTables({ columns: ['n'], rows: [[1], [2]], row_count: 500, rows_shown: 2, truncated: true, saved_to: '.devkit/results/x.csv' });
    expect(t[0]).toMatchObject({ rowCount: 500, truncated: true, savedTo: '.devkit/results/x.csv' });
    render(<ToolCard tool={sqlTool({ status: 'done', result: { content: '', isError: false, structured: { columns: ['n'], rows: [[1], [2]], row_count: 500, saved_to: '.devkit/results/x.csv' } } })} />);
    expect(screen.getByText('500 rows (first 2 shown)')).toBeTruthy();
    expect(screen.getByText('.devkit/results/x.csv')).toBeTruthy();
  });

  it('reads execute_sql_multi statements and rows given as objects', () => {
    const t = sqlTables({
      statements: [
        { index: 1, statement: 'SELECT 1 AS a', state: 'SUCCEEDED', columns: [{ name: 'a' }], rows: [{ a: 1 }] },
        { index: 2, statement: 'SELECT nope', state: 'FAILED', error: 'TABLE_OR_VIEW_NOT_FOUND' },
        { index: 3, statement: 'CREATE TABLE t', state: 'SUCCEEDED' },
      ],
    });
    expect(t).toHaveLength(2);
    expect(t[0]).toMatchObject({ title: 'SELECT 1 AS a', columns: ['a'], rows: [[1]] });
    expect(t[1]).toMatchObject({ state: 'FAILED', error: 'TABLE_OR_VIEW_NOT_FOUND' });
    expect(sqlTables({ content: 'no rows here' })).toEqual([]);
  });

  it('shows errors in red and folds long output', () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const { container, rerender } = render(
      <ToolCard tool={{ kind: 'tool', key: 'b', id: 'b', name: 'Bash', input: { command: 'ls' }, status: 'error', result: { content: 'permission denied', isError: true } }} />,
    );
    expect(container.querySelector('.tool-output.error-text')?.textContent).toContain('permission denied');
    expect(screen.getByRole('region', { name: 'Tool call Bash: Error' })).toBeTruthy();
    rerender(<ToolCard tool={{ kind: 'tool', key: 'b', id: 'b', name: 'Bash', input: { command: 'ls' }, status: 'done', result: { content: long, isError: false } }} />);
    const pre = container.querySelector('.tool-output pre')!;
    expect(pre.textContent).toContain('line 12');
    expect(pre.textContent).not.toContain('line 13');
    const more = screen.getByRole('button', { name: 'Show all 40 lines' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(more);
    expect(container.querySelector('.tool-output pre')!.textContent).toContain('line 40');
  });
});

describe('PermissionDialog', () => {
  const request = {
    runId: 'r',
    requestId: 'p1',
    toolName: 'mcp__databricks__execute_sql',
    input: { query: 'DROP TABLE main.sales.orders' },
    toolUseId: 't',
    timeoutS: 300,
  };

  it('is a labelled modal dialog showing the tool and its input', () => {
    render(<PermissionDialog request={request} onAnswer={() => undefined} />);
    const dialog = screen.getByRole('dialog', { name: 'Allow this tool?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(within(dialog).getByText('execute_sql')).toBeTruthy();
    expect(within(dialog).getByLabelText('Tool input').textContent).toContain('DROP TABLE main.sales.orders');
    expect(within(dialog).getByText(/Denied automatically in 300 s/)).toBeTruthy();
    // the safe choice has the focus, so a stray Enter does not approve a DROP TABLE
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Deny' }));
  });

  it.each([
    ['Allow', { decision: 'allow', remember: false }],
    ['Always allow', { decision: 'allow', remember: true }],
    ['Deny', { decision: 'deny', remember: false }],
  ])('%s answers %j', (label, answer) => {
    const onAnswer = vi.fn();
    render(<PermissionDialog request={request} onAnswer={onAnswer} />);
    fireEvent.click(screen.getByRole('button', { name: label }));
    expect(onAnswer).toHaveBeenCalledTimes(1);
    expect(onAnswer).toHaveBeenCalledWith(answer);
  });

  it('Escape denies', () => {
    const onAnswer = vi.fn();
    render(<PermissionDialog request={request} onAnswer={onAnswer} />);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onAnswer).toHaveBeenCalledWith({ decision: 'deny', remember: false });
  });
});

describe('Composer', () => {
  it('sends on Enter and clears the box', () => {
    const onSend = vi.fn();
    render(<Composer onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: 'List my tables' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('List my tables');
    expect(box.value).toBe('');
  });

  it('does not send on Shift+Enter (a new line), nor an empty message', () => {
    const onSend = vi.fn();
    render(<Composer onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'first line' } });
    const shiftEnter = fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(shiftEnter).toBe(true); // not prevented: the textarea inserts the newline
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.change(box, { target: { value: '   ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect((screen.getByRole('button', { name: 'Send message' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('offers Stop instead of Send while a turn runs', () => {
    const onSend = vi.fn();
    const onStop = vi.fn();
    render(<Composer onSend={onSend} onStop={onStop} running />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'more' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Send message' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Stop the agent' }));
    expect(onStop).toHaveBeenCalledTimes(1);
  });
});

describe('TodoList', () => {
  it('shows progress and the active form of the task in progress', () => {
    render(
      <TodoList
        todos={[
          { content: 'Read the files', status: 'completed' },
          { content: 'Write the SQL', status: 'in_progress', activeForm: 'Writing the SQL' },
          { content: 'Run it', status: 'pending' },
        ]}
      />,
    );
    expect(screen.getByRole('progressbar', { name: '1 of 3 tasks done' })).toBeTruthy();
    expect(screen.getByText('Writing the SQL')).toBeTruthy();
    expect(screen.getByText('1/3')).toBeTruthy();
  });
});

describe('Markdown', () => {
  it('renders GFM tables and highlighted code, but not raw HTML', async () => {
    const { Markdown } = await import('./Markdown');
    const { container } = render(<Markdown text={'| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```sql\nSELECT 1\n```\n\n<img src=x onerror=alert(1)> ~~old~~'} />);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['a', 'b']);
    expect(container.querySelector('code.language-sql .hljs-keyword')?.textContent).toBe('SELECT');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('del')?.textContent).toBe('old');
  });
});
