/**
 * The principal directory provisioned over SCIM 2.0: identity providers create, change,
 * deactivate and delete users and groups at `/scim/v2` (scope `scim`), the directory is stored
 * durably (a file, or PostgreSQL shared by replicas), each change is an admin record in the audit
 * trail, and the trust rule (src/catalogue/resolve.ts) consults it before the catalogue's
 * file-based `principals` on every decision that names a person.
 *
 * It may import express, scimmy, pg, src/catalogue (the PrincipalDirectory shape) and
 * src/http/admin-audit.ts; the decision service knows it only as `current(request)`.
 */
import { Directory } from './directory.ts';
import { FileDirectoryStore } from './file-store.ts';
import { PostgresDirectoryStore } from './postgres-store.ts';

export { Directory } from './directory.ts';
export { scimRoutes } from './scim-routes.ts';
export { GOVERNANCE_SCHEMA } from './snapshot.ts';

/** The settings that choose the store. */
export interface DirectorySettings {
  /** REGENT_DIRECTORY_PATH: the embedded file; empty with no database URL turns SCIM off. */
  directoryPath: string;
  /** REGENT_DIRECTORY_DATABASE_URL: PostgreSQL shared by replicas; wins over the path. */
  directoryDatabaseUrl: string;
}

/** Whether SCIM provisioning is on. */
export function directoryEnabled(settings: DirectorySettings): boolean {
  return settings.directoryPath !== '' || settings.directoryDatabaseUrl !== '';
}

/** Opens the configured store and loads the directory; null when SCIM is off. */
export async function openDirectory(settings: DirectorySettings): Promise<Directory | null> {
  if (!directoryEnabled(settings)) return null;
  const store =
    settings.directoryDatabaseUrl !== ''
      ? await PostgresDirectoryStore.open(settings.directoryDatabaseUrl)
      : await FileDirectoryStore.open(settings.directoryPath);
  const directory = new Directory(store);
  await directory.start();
  return directory;
}
