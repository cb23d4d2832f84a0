import { useEffect, useId, useRef, type ReactNode } from 'react';

interface ModalProps {
  title: string;
  testId: string;
  onClose(): void;
  children: ReactNode;
}

/** A modal dialog (the platform's <dialog>: focus stays inside, Escape closes, the page behind is inert). */
export function Modal({ title, testId, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    return () => dialog.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault(); // React owns whether it is open
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
