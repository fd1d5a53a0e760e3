/** Hands a file made in the page to the browser as a download with a name that says what it is. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own copy once started; free the page's.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
