// Builds the app into dist/: the bundle with hashed names under assets/, the service worker
// (sw/sw.js) as /sw.js listing those files, and a gzip twin of every text file for the
// server to send precompressed.

import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import preact from "@preact/preset-vite";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

/** Emits sw.js with the shell's files and a version that changes with them. */
function serviceWorker(): Plugin {
  return {
    name: "ravenstvo-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((name) => !name.endsWith(".map") && name !== "index.html")
        .map((name) => `/${name}`)
        .sort();
      const version = createHash("sha256").update(files.join("\n")).digest("hex").slice(0, 16);
      const source = readFileSync(new URL("./sw/sw.js", import.meta.url), "utf8");
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: `const SHELL = ${JSON.stringify(files)};\nconst VERSION = ${JSON.stringify(version)};\n${source}`,
      });
    },
  };
}

/** Writes NAME.gz beside each compressible file of dist/ (served when the browser takes gzip). */
function gzipTwins(): Plugin {
  return {
    name: "ravenstvo-gzip-twins",
    apply: "build",
    closeBundle() {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (/\.(js|css|html|wasm|json|svg)$/.test(name)) {
            writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
          }
        }
      };
      walk(new URL("./dist", import.meta.url).pathname);
    },
  };
}

export default defineConfig({
  plugins: [preact(), serviceWorker(), gzipTwins()],
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
  },
  server: {
    fs: { allow: [".."] },
  },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/rules/**/*.test.ts"],
    environment: "node",
  },
});
