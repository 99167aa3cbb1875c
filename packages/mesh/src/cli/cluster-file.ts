/**
 * @module `.stockflow/cluster.json`: what a running `npm start` tells local tools about its cluster
 * stand-in (the issuer, the broker ingress, the namespace and the issuer's private key, so that
 * `npm run sender-token` can sign for a declared ServiceAccount). Mode 0600 in a gitignored folder,
 * written at start and removed at stop.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PrivateJwk } from '../auth/issuer.ts';

export interface ClusterFile {
  /** The OIDC issuer URL (the mesh). */
  issuer: string;
  /** The default broker's ingress URL. */
  ingress: string;
  namespace: string;
  privateJwk: PrivateJwk;
}

export const clusterFilePath = (root: string) => join(root, '.stockflow', 'cluster.json');

export function writeClusterFile(path: string, cluster: ClusterFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Removed first: writeFileSync's mode applies only to a file it creates.
  rmSync(path, { force: true });
  writeFileSync(path, `${JSON.stringify(cluster, null, 2)}\n`, { mode: 0o600 });
}

export function readClusterFile(path: string): ClusterFile | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ClusterFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function removeClusterFile(path: string): void {
  rmSync(path, { force: true });
}
