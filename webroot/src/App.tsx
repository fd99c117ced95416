import { api } from './api/client';
import { useAsync } from './lib/useAsync';
import { useRoute } from './lib/router';
import { Link } from './components/Link';
import { Home } from './screens/Home';
import { ProjectScreen } from './screens/Project';
import { Status } from './screens/Status';

export function App() {
  const route = useRoute();
  const user = useAsync((signal) => api.user(signal), []);
  const health = useAsync((signal) => api.health(signal), []);
  return (
    <div className={`app route-${route.name}`}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Databricks AI Dev Kit: projects">
          <span className="logo" aria-hidden="true">◆</span> AI Dev Kit
        </Link>
        <span className="spacer" />
        <Link href="/status" className={`status-dot ${health.data?.status ?? 'unknown'}`} aria-label={`Host status: ${health.data?.status ?? 'unknown'}`}>
          <span aria-hidden="true">●</span> Status
        </Link>
        <span className="user" aria-label="Signed in as">
          {user.data ? user.data.email : user.error ? <span className="bad">not signed in</span> : '…'}
        </span>
      </header>
      {user.error && (
        <div className="notice bad" role="alert">
          {user.error.message}
        </div>
      )}
      {route.name === 'home' && <Home health={health.data} />}
      {route.name === 'status' && <Status />}
      {route.name === 'project' && (
        <ProjectScreen key={route.projectId} projectId={route.projectId} conversationId={route.conversationId} health={health.data} />
      )}
      {route.name === 'not_found' && (
        <main className="home" id="main">
          <p>
            No page at <code>{route.path}</code>. <Link href="/">Back to the projects</Link>
          </p>
        </main>
      )}
    </div>
  );
}
