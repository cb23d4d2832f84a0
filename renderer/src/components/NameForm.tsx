import { useState } from 'react';

interface NameFormProps {
  label: string;
  initial?: string;
  placeholder?: string;
  submitText: string;
  /** A regular expression the name must match, with the hint shown when it does not. */
  pattern?: string;
  hint?: string;
  onSubmit(name: string): Promise<void>;
  onCancel(): void;
}

/** A one-field inline form: Enter submits, Escape cancels. */
export function NameForm({ label, initial = '', placeholder, submitText, pattern, hint, onSubmit, onCancel }: NameFormProps) {
  const [value, setValue] = useState(initial);
  const [busy, setBusy] = useState(false);
  const name = value.trim();
  const invalid = pattern != null && name !== '' && !new RegExp(pattern).test(name);
  return (
    <form
      className="name-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!name || invalid || busy) return;
        setBusy(true);
        try {
          await onSubmit(name);
        } finally {
          setBusy(false);
        }
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <input
        autoFocus
        aria-label={label}
        placeholder={placeholder}
        value={value}
        aria-invalid={invalid}
        onChange={(e) => setValue(e.target.value)}
        onFocus={(e) => {
          // Select the stem so a rename types over the name, not the extension.
          const dot = e.target.value.lastIndexOf('.');
          e.target.setSelectionRange(0, dot > 0 ? dot : e.target.value.length);
        }}
      />
      {invalid && hint && <div className="name-hint">{hint}</div>}
      <div className="name-buttons">
        <button type="submit" className="primary" disabled={!name || invalid || busy}>
          {busy ? '…' : submitText}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
