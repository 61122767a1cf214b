#!/usr/bin/env node
// The npm registry these machines reach serves only the Linux builds of packages with native
// binaries, so `npm install` leaves the other platforms' optional packages out of
// package-lock.json, and `npm ci` then refuses the lock as "out of sync". This adds the entries a
// full registry would have written (version, os, cpu, optional), which npm ci skips on Linux.
// Run it after changing dependencies: `npm install && node scripts/lock-platform-stubs.js`.
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;

const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'aix', 'wasm32'];
function platformOf(name) {
  const tail = name.split('/').pop();
  const parts = tail.split('-');
  const i = parts.findIndex((p) => OS.includes(p));
  if (i < 0 || !parts[i + 1]) return null;
  const os = parts[i];
  let cpu = parts[i + 1];
  if (os === 'wasm32') return { os: null, cpu: ['wasm32'] };
  const entry = { os: [os], cpu: [cpu] };
  const abi = parts[i + 2];
  if (abi === 'gnu' || abi === 'gnueabihf') entry.libc = ['glibc'];
  if (abi === 'musl' || abi === 'musleabihf') entry.libc = ['musl'];
  return entry;
}

let added = 0;
for (const [key, meta] of Object.entries(pkgs)) {
  const optional = meta.optionalDependencies || {};
  for (const [dep, version] of Object.entries(optional)) {
    const at = key === '' ? `node_modules/${dep}` : `${key}/node_modules/${dep}`;
    if (pkgs[at] || pkgs[`node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    const stub = { version: version.replace(/^[\^~]/, ''), optional: true };
    if (meta.dev) stub.dev = true;
    if (platform.cpu) stub.cpu = platform.cpu;
    if (platform.os) stub.os = platform.os;
    if (platform.libc) stub.libc = platform.libc;
    pkgs[`node_modules/${dep}`] = stub;
    added += 1;
  }
}
const sorted = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
lock.packages = sorted;
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-stubs: added ${added} platform entries`);
