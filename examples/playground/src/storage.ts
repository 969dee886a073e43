// The saved run lives in one IndexedDB record, written in one transaction, so a reload
// finds either the previous save or the new one, never half of each.
import type { SavedRun } from './session.js';

const DATABASE = 'gantry-playground';
const STORE = 'runs';
const KEY = 'latest';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`IndexedDB: could not open ${DATABASE}`));
  });
}

function transact<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = action(transaction.objectStore(STORE));
        transaction.oncomplete = () => {
          db.close();
          resolve(request.result as T);
        };
        transaction.onerror = () => {
          db.close();
          reject(transaction.error ?? new Error(`IndexedDB: ${mode} on ${DATABASE}/${STORE} failed`));
        };
      }),
  );
}

/** Stores the run as the browser's latest save (IndexedDB `gantry-playground`, store `runs`, key `latest`). */
export function writeRun(run: SavedRun): Promise<void> {
  return transact<unknown>('readwrite', (store) => store.put(run, KEY)).then(() => undefined);
}

/** The latest saved run, or undefined when none was saved in this browser. */
export function readRun(): Promise<SavedRun | undefined> {
  return transact<SavedRun | undefined>('readonly', (store) => store.get(KEY));
}
