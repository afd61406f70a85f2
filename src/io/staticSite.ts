/**
 * A static file server for the explorer page (dist-web/, built by `npm run build:web`): GET and
 * HEAD only, files under the site's folder only (no directory listing, no path outside it), the
 * right type for `.wasm` (application/wasm, so browsers compile it while it streams). Used by
 * `eoslab serve`; it binds where it is told (the command's default is 127.0.0.1) and makes no
 * request of its own, so the page works offline.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EoslabError } from '../base/errors.js';

/** dist-web/ of the package (src/io/ and dist/io/ both sit two levels below the package root). */
export function siteDirectory(): string {
  return fileURLToPath(new URL('../../dist-web/', import.meta.url));
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a request path names inside `root`, or undefined (outside it, or not a file). */
export function resolveSitePath(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]?.split('#')[0] ?? '/');
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const relative = normalize(path.endsWith('/') ? `${path}index.html` : path).replace(/^([/\\])+/, '');
  if (relative.split(/[/\\]/).includes('..')) return undefined;
  const file = join(root, relative);
  if (!(file === root || file.startsWith(root.endsWith(sep) ? root : root + sep))) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

export interface SiteServer {
  readonly server: Server;
  /** The address it listens on, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `root` on host:port (port 0: any free port). Refuses a folder without index.html. */
export async function serveSite(root: string, port: number, host: string): Promise<SiteServer> {
  if (!existsSync(join(root, 'index.html'))) {
    throw new EoslabError(
      'E_IO',
      `the explorer page is not built (no ${join(root, 'index.html')}): run \`npm run build:web\` (or \`npm run build\`) first`,
    );
  }
  const server = createServer((request, response) => {
    const headers = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' })
        .end('method not allowed\n');
      return;
    }
    const file = resolveSitePath(root, request.url ?? '/');
    if (!file) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.byteLength,
      // hashed asset names change with their content; the page itself is always revalidated
      'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new EoslabError(
          'E_IO',
          `cannot listen on ${host}:${port} (${error.code ?? error.message})${error.code === 'EADDRINUSE' ? ': choose another --port' : ''}`,
          'port',
          port,
          undefined,
          { cause: error },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shown}:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
