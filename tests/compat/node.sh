#!/bin/sh
# node: objects, arrays, Maps, JSON and typed arrays (V8 and its threads).
. "$(dirname "$0")/lib.sh"
need node nodejs
setup() {
	cat >work.js <<'JS'
const crypto = require('crypto');
const m = new Map();
for (let i = 0; i < 100000; i++) m.set('k' + i, { i, s: String(i).repeat(i % 5), a: [i, i * 2] });
let sum = 0;
for (const [k, v] of m) sum += v.a[1] + k.length;
console.log('map', m.size, sum);
const arr = Array.from({ length: 200000 }, (_, i) => (i * 2654435761) % 1000003);
arr.sort((a, b) => a - b);
console.log('sorted', arr[0], arr[100000], arr[arr.length - 1]);
const json = JSON.stringify([...m.values()].slice(0, 5000));
console.log('json', json.length, crypto.createHash('sha256').update(json).digest('hex'));
const buf = new Float64Array(1 << 20);
for (let i = 0; i < buf.length; i++) buf[i] = Math.sqrt(i);
console.log('typed', buf.reduce((a, b) => a + b, 0).toFixed(3));
console.log('parsed', JSON.parse(json).length);
JS
}
compat_run node node work.js
