/** URLs of the Sync pages (History-API router, see ../router/router.ts). */
export const SYNC_PATH = '/sync';

export function messagePath(id: number | string): string {
  return `${SYNC_PATH}/messages/${encodeURIComponent(String(id))}`;
}
