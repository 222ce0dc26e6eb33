/**
 * How every process connects to Temporal: plain TCP to a local dev server or a cluster inside the
 * network; TLS with a client certificate (mTLS, Temporal Cloud's certificate namespaces or a
 * cluster with its own CA); or TLS with an API key (Temporal Cloud's API-key namespaces). The same
 * options go to the client (API) and to the worker's native connection.
 */
import fs from 'node:fs';
import type { Env } from '../config/env';

export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

type TemporalEnv = Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'>;

/** TEMPORAL_TLS_* name files (PEM); a missing file stops the process with its name. */
export function temporalConnectionOptions(env: TemporalEnv): TemporalConnectionOptions {
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${name}=${file}: ${(err as Error).message}`);
    }
  };
  const mtls = env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY;
  const tlsWanted = mtls || env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_NAME;
  if (!tlsWanted) return { address: env.TEMPORAL_ADDRESS };
  return {
    address: env.TEMPORAL_ADDRESS,
    tls: {
      ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(env.TEMPORAL_TLS_CA ? { serverRootCACertificate: read('TEMPORAL_TLS_CA', env.TEMPORAL_TLS_CA) } : {}),
      ...(mtls ? { clientCertPair: { crt: read('TEMPORAL_TLS_CERT', env.TEMPORAL_TLS_CERT!), key: read('TEMPORAL_TLS_KEY', env.TEMPORAL_TLS_KEY!) } } : {}),
    },
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}
