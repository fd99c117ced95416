import { useEffect, useState } from 'react';
import type { PermissionRequest } from '../state/chat';
import { Modal } from './Modal';
import { CodeBlock } from './CodeBlock';
import { prettyJson, splitToolName } from '../lib/format';

export type PermissionDecision = { decision: 'allow' | 'deny'; remember: boolean };

/** The agent asks to use a tool (permission_request): allow once, always allow, or deny. */
export function PermissionDialog({
  request,
  onAnswer,
  pendingCount = 1,
}: {
  request: PermissionRequest;
  onAnswer: (d: PermissionDecision) => void;
  pendingCount?: number;
}) {
  const { tool, server } = splitToolName(request.toolName);
  const name = request.displayName ?? tool;
  const [left, setLeft] = useState(request.timeoutS);
  useEffect(() => {
    setLeft(request.timeoutS);
    if (!request.timeoutS) return;
    const started = Date.now();
    const t = setInterval(() => {
      setLeft(Math.max(0, Math.round((request.timeoutS ?? 0) - (Date.now() - started) / 1000)));
    }, 1000);
    return () => clearInterval(t);
  }, [request.requestId, request.timeoutS]);
  const input = prettyJson(request.input);
  return (
    <Modal title="Allow this tool?" className="permission" onCancel={() => onAnswer({ decision: 'deny', remember: false })}>
      <p>
        The agent wants to use <strong>{name}</strong>
        {server ? (
          <>
            {' '}
            (<code>{server}</code>)
          </>
        ) : null}
        .
      </p>
      {input && <CodeBlock code={input} language="json" label="Tool input" />}
      {left !== undefined && (
        <p className="muted small" aria-live="off">
          Denied automatically in {left} s if nobody answers.
          {pendingCount > 1 ? ` ${pendingCount - 1} more request(s) waiting.` : ''}
        </p>
      )}
      <div className="actions">
        <button type="button" className="danger-outline" data-autofocus onClick={() => onAnswer({ decision: 'deny', remember: false })}>
          Deny
        </button>
        <button type="button" onClick={() => onAnswer({ decision: 'allow', remember: true })}>
          Always allow
        </button>
        <button type="button" className="primary" onClick={() => onAnswer({ decision: 'allow', remember: false })}>
          Allow
        </button>
      </div>
    </Modal>
  );
}
