// Preloaded with `node --import` by test/packaging.test.ts: makes the packages named in
// EOSLAB_BLOCK_MODULES (comma-separated; a name also blocks its subpaths) fail to resolve through
// require(), as on a machine where they are not installed — e.g. @resvg/resvg-js-linux-x64-gnu,
// the native binary that @resvg/resvg-js loads as an optional dependency, or mnist.
import Module from 'node:module';

const blocked = (process.env.EOSLAB_BLOCK_MODULES ?? '').split(',').filter(Boolean);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (blocked.some((name) => request === name || request.startsWith(`${name}/`))) {
    const error = new Error(`Cannot find module '${request}' (blocked by the test)`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
