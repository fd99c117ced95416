import type { Todo } from '../state/chat';

/** The agent's todo list (TodoWrite) as progress. */
export function TodoList({ todos }: { todos: Todo[] }) {
  if (todos.length === 0) return null;
  const done = todos.filter((t) => t.status === 'completed').length;
  return (
    <section className="todos" aria-label="Agent's todo list">
      <div className="todos-head">
        <strong>Plan</strong>
        <progress value={done} max={todos.length} aria-label={`${done} of ${todos.length} tasks done`} />
        <span className="muted small">
          {done}/{todos.length}
        </span>
      </div>
      <ol>
        {todos.map((t, i) => (
          <li key={i} className={`todo ${t.status}`}>
            <span aria-hidden="true">{t.status === 'completed' ? '☑' : t.status === 'in_progress' ? '▶' : '☐'}</span>{' '}
            <span className="sr-only">{t.status.replace('_', ' ')}: </span>
            {t.status === 'in_progress' && t.activeForm ? t.activeForm : t.content}
          </li>
        ))}
      </ol>
    </section>
  );
}
