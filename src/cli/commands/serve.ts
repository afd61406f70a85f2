/**
 * `eoslab serve`: the explorer page (dist-web/, the browser build of the same kernels) on a local
 * HTTP server, bound to 127.0.0.1 unless told otherwise. Runs until Ctrl-C.
 */
import { OPTIONS } from '../../base/options.js';
import { serveSite, siteDirectory } from '../../io/staticSite.js';
import { defineCommand } from '../args.js';

export const serveCommand = defineCommand({
  name: 'serve',
  summary:
    'the explorer page in a browser: the live Fig 3 map or 𝕊 map (Fig 2c), click a cell for its GD trajectory and GPGD diagram',
  usage: 'eoslab serve [--port 8080] [--host 127.0.0.1]',
  details:
    'Serves the explorer page (built into dist-web/ by `npm run build`) on http://HOST:PORT/ until\n' +
    'Ctrl-C. The page computes in the browser, in Web Workers, with the same release.wasm and tiles\n' +
    'as `eoslab heatmap`; the server only hands out its files (no other network access). It binds\n' +
    '127.0.0.1 (this machine only) unless --host says otherwise.',
  options: {
    port: { spec: OPTIONS.port, default: 8080 },
    host: { spec: OPTIONS.host, default: '127.0.0.1' },
  },
  examples: ['eoslab serve', 'eoslab serve --port 9000'],
  async run({ port, host }, io) {
    const site = await serveSite(siteDirectory(), port, host);
    io.out(`eoslab explorer at ${site.url} (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void site.close().then(resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      site.server.once('close', () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      });
    });
    return 0;
  },
});
