import { Badge, Button } from '@mantine/core';
import { confirmAction } from './confirm.js';

/**
 * The last cell of a credential's row (API key, OAuth client): "Revoked", or a Revoke button that
 * asks first in the app's one confirmation dialog. `what` is "key" or "client"; `consequence`
 * says what stops working, in the page's words.
 */
export function RevokeCell(props: {
  what: string;
  name: string;
  revoked: boolean;
  pending: boolean;
  consequence: string;
  onRevoke: () => void;
}) {
  if (props.revoked) return <Badge color="gray">Revoked</Badge>;
  return (
    <Button
      size="xs"
      color="red"
      variant="light"
      aria-label={`Revoke the ${props.what} ${props.name}`}
      loading={props.pending}
      onClick={() =>
        confirmAction({
          title: `Revoke the ${props.what} ${props.name}?`,
          message: `${props.consequence} This cannot be undone.`,
          confirmLabel: `Revoke the ${props.what}`,
          onConfirm: props.onRevoke,
        })
      }
    >
      Revoke
    </Button>
  );
}
