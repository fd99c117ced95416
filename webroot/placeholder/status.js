// Renders /healthz as a small status page (no framework, no network beyond this host).
(async () => {
  const status = document.getElementById('status');
  const tbody = document.getElementById('plugins');
  const problems = document.getElementById('problems');
  const cell = (text, cls) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  };
  try {
    const res = await fetch('/healthz', { headers: { Accept: 'application/json' } });
    const h = await res.json();
    status.textContent = `Host ${h.version} (plugin ABI ${h.abi}): ${h.status}`;
    status.className = h.status === 'ok' ? 'ok' : 'warn';
    for (const p of h.plugins) {
      const tr = document.createElement('tr');
      const health = p.health ? Object.values(p.health).map((x) => x.status).join(', ') : '';
      tr.append(cell(p.id), cell((p.kinds || []).join(', ')), cell(p.version || ''),
        cell(p.state, p.state === 'loaded' ? 'ok' : p.state === 'failed' ? 'bad' : ''),
        cell(health));
      tbody.append(tr);
    }
    for (const text of h.problems) {
      const li = document.createElement('li');
      li.textContent = text;
      problems.append(li);
    }
  } catch (e) {
    status.textContent = `Cannot reach the host: ${e}`;
    status.className = 'bad';
  }
})();
