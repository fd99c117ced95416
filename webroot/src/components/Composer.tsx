import { useRef, useState, type KeyboardEvent } from 'react';

/** The message box: Enter sends, Shift+Enter makes a new line; Stop while a turn runs. */
export function Composer({
  onSend,
  onStop,
  running,
  stopping,
  disabled,
  placeholder,
}: {
  onSend: (text: string) => void;
  onStop?: () => void;
  running?: boolean;
  stopping?: boolean;
  disabled?: boolean;
  placeholder?: string;
}) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const canSend = !running && !disabled && text.trim().length > 0;
  const send = () => {
    if (!canSend) return;
    onSend(text);
    setText('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends; Shift+Enter (and Enter while an input method composes) is a new line.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      send();
    }
  };
  return (
    <form
      className="composer"
      aria-label="Send a message"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder={placeholder ?? 'Ask the agent… (Enter to send, Shift+Enter for a new line)'}
        value={text}
        rows={Math.min(8, Math.max(2, text.split('\n').length))}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        disabled={disabled}
      />
      {running ? (
        <button type="button" className="danger" onClick={onStop} disabled={stopping} aria-label="Stop the agent">
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : (
        <button type="submit" className="primary" disabled={!canSend} aria-label="Send message">
          Send
        </button>
      )}
    </form>
  );
}
