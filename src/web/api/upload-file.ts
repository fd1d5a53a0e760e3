/**
 * Sends the file's raw bytes to `PUT /api/imports/:id/file`. XMLHttpRequest rather than fetch
 * because only it reports upload progress, which matters for a 300 MB file; the browser streams
 * the File from disk, so memory stays flat.
 */
import { ApiError, toApiError } from './http.js';
import type { RunSummary } from './types.js';

export interface UploadProgress {
  sent: number;
  total: number;
}

export function uploadImportFile(
  runId: string | number,
  file: Blob,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `/api/imports/${encodeURIComponent(String(runId))}/file`);
    xhr.setRequestHeader('content-type', 'text/csv');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => onProgress({ sent: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as RunSummary);
      else reject(toApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, 'The file could not be sent. Check your connection and try again.'));
    xhr.onabort = () => reject(new DOMException('cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
