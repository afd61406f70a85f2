/** Package version and run environment, recorded in every manifest. */
import { readFileSync } from 'node:fs';

interface PackageJson {
  name: string;
  version: string;
}

let cached: PackageJson | undefined;

function packageJson(): PackageJson {
  // src/base/version.ts and dist/base/version.js both sit two levels below the package root
  cached ??= JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;
  return cached;
}

export function version(): string {
  return packageJson().version;
}
