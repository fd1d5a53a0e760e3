import { Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import type { ReactNode } from 'react';

export interface ConfirmOptions {
  /** The question, as the modal's title: "Revoke the key Billing?" */
  title: string;
  /** What will happen, in plain words. */
  message: ReactNode;
  /** The button that does it: "Revoke", "Cancel the import". */
  confirmLabel: string;
  /** The button that backs out; "Keep it" by default (never a bare "Cancel" next to "Cancel the import"). */
  cancelLabel?: string;
  /** Red confirm button for what cannot be undone. Default true. */
  destructive?: boolean;
  onConfirm: () => void;
}

/**
 * The app's one way to ask "are you sure?": a Mantine modal (focus kept inside, Escape or the
 * cancel button backs out), never window.confirm, which a phone's browser shows out of style
 * and some embedded browsers block. Needs <ModalsProvider> (main.tsx).
 */
export function confirmAction(opts: ConfirmOptions): void {
  modals.openConfirmModal({
    title: opts.title,
    centered: true,
    children: typeof opts.message === 'string' ? <Text size="sm">{opts.message}</Text> : opts.message,
    labels: { confirm: opts.confirmLabel, cancel: opts.cancelLabel ?? 'Keep it' },
    confirmProps: { color: (opts.destructive ?? true) ? 'red' : undefined },
    onConfirm: opts.onConfirm,
  });
}
