import { useEffect } from 'react';

export const PRODUCT_NAME = 'ehr-bridge';

/** "<Page> · ehr-bridge": the browser tab and history say which page this is. */
export function pageTitleText(page: string): string {
  return `${page} · ${PRODUCT_NAME}`;
}

/** Sets document.title for as long as the calling page is shown. */
export function usePageTitle(page: string): void {
  useEffect(() => {
    document.title = pageTitleText(page);
  }, [page]);
}
