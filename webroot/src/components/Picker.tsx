import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { DatabricksItem } from '../api/types';

/** What a picker offers: a list (loaded), nothing yet (loading), or nothing (error or not asked). */
export interface PickerList {
  items: DatabricksItem[] | null;
  loading: boolean;
  /** why the list could not load (the host's message); the picker falls back to a text input */
  error: string | null;
  /** the item to mark as suggested (warehouses) */
  suggested?: string;
  truncated?: boolean;
}

const OTHER = '\u0000other';
const NONE = '\u0000none';

export function describeItem(item: DatabricksItem, suggested?: string): string {
  const parts = [item.name || item.id];
  if (item.state) parts.push(item.state);
  if (item.detail && item.id !== item.name) parts.push(item.detail);
  return parts.join(' · ') + (suggested && item.id === suggested ? ' (suggested)' : '');
}

/**
 * A select filled from a Databricks list that still takes a typed value: its last option
 * ("Type a name…") shows a text input, and a value the list does not hold shows there too (a
 * schema the agent will create, a warehouse the user may use but not list). Without a list (it
 * failed to load, or there is nothing to list yet) it is a plain text input.
 */
export function Picker({
  label,
  typedLabel,
  value,
  onChange,
  list,
  noneLabel,
  typeOption,
  placeholder,
  required,
  invalid,
  noList,
  notListed,
  showId,
  children,
}: {
  label: string;
  /** the label of the text input beside the select, e.g. "Schema name" */
  typedLabel: string;
  /** '' is no value (with `noneLabel`, a choice of its own: "Automatic") */
  value: string;
  /** `typed`: from the keyboard (the caller may wait before acting on it) */
  onChange: (value: string, typed: boolean) => void;
  list: PickerList;
  noneLabel?: string;
  /** the select's last option, e.g. "Type a name…" */
  typeOption: string;
  placeholder?: string;
  required?: boolean;
  invalid?: boolean;
  /** the hint when there is no list and no error (e.g. "Choose a catalog first.") */
  noList?: string;
  /** the hint for a typed value the list does not hold */
  notListed?: string;
  /** show the chosen item's id under the select (warehouses, clusters: the option shows the name) */
  showId?: boolean;
  /** the field's error, if any */
  children?: ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const [forced, setForced] = useState(false);
  const typedRef = useRef<HTMLInputElement>(null);
  const focusTyped = useRef(false);
  useEffect(() => {
    if (focusTyped.current) {
      focusTyped.current = false;
      typedRef.current?.focus();
      typedRef.current?.select();
    }
  });

  const items = list.items;
  const listed = items?.find((i) => i.id === value);
  let hint: ReactNode = null;
  let control: ReactNode;
  if (list.loading) {
    // In a fragment like the loaded select, so that React keeps the same element (and focus).
    control = (
      <>
        <select id={id} value="" disabled aria-describedby={hintId} aria-busy="true">
          <option value="">{value || noneLabel || ''}</option>
        </select>
      </>
    );
    hint = 'Loading the list…';
  } else if (!items) {
    control = (
      <input
        id={id}
        value={value}
        placeholder={placeholder ?? noneLabel}
        onChange={(e) => onChange(e.target.value, true)}
        required={required}
        aria-invalid={invalid}
        aria-describedby={hintId}
      />
    );
    hint = list.error ? 'The list cannot load: type it.' : noList ?? null;
  } else {
    const custom = forced || (value !== '' && !listed);
    const selected = custom ? OTHER : value === '' ? (noneLabel ? NONE : '') : value;
    control = (
      <>
        <select
          id={id}
          value={selected}
          required={required && !custom}
          aria-invalid={invalid && !custom}
          aria-describedby={hintId}
          onChange={(e) => {
            const v = e.target.value;
            if (v === OTHER) {
              focusTyped.current = true;
              setForced(true);
            } else {
              setForced(false);
              onChange(v === NONE ? '' : v, false);
            }
          }}
        >
          {noneLabel ? (
            <option value={NONE}>{noneLabel}</option>
          ) : (
            value === '' && !custom && (
              <option value="" disabled>
                Choose…
              </option>
            )
          )}
          {items.map((i) => (
            <option key={i.id} value={i.id} title={i.detail}>
              {describeItem(i, list.suggested)}
            </option>
          ))}
          <option value={OTHER}>{typeOption}</option>
        </select>
        {custom && (
          <input
            ref={typedRef}
            value={value}
            placeholder={placeholder}
            aria-label={typedLabel}
            onChange={(e) => onChange(e.target.value, true)}
            required={required}
            aria-invalid={invalid}
          />
        )}
      </>
    );
    if (custom && value !== '' && !listed) hint = notListed ?? 'Not in the list.';
    else if (!custom && listed && showId) hint = `id ${listed.id}`;
    else if (items.length === 0 && !custom) hint = 'The list is empty: type it.';
    if (list.truncated) hint = <>{hint} The list is cut short: type one it does not show.</>;
  }
  return (
    <div className="field picker">
      <label htmlFor={id}>{label}</label>
      {control}
      <span className="muted small" id={hintId}>
        {hint}
      </span>
      {children}
    </div>
  );
}
