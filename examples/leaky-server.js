// leaky-server.js: a Node.js service loop with a native-memory leak.
//
// No network: a loop of simulated requests. Each request allocates native
// (Buffer) memory; cacheThumbnail keeps its 64 KiB buffer in a cache that
// never evicts (the leak), renderPage's buffers are dropped after use.
// Run it under heapsnap with JIT names:
//   heapsnap run --jit --sample 64K -o snaps -- node examples/leaky-server.js 5
// and look for cacheThumbnail in the stack of the top site:
//   heapsnap info snaps/heapsnap.node.*.db
'use strict';

const seconds = Number(process.argv[2] || 5);
const thumbnails = [];

function cacheThumbnail(id) {
	const buf = Buffer.allocUnsafe(64 * 1024);
	buf.fill(id & 0xff);
	thumbnails.push(buf); // never evicted: the leak
	return buf.length;
}

function renderPage(id) {
	const page = Buffer.alloc(16 * 1024 + (id % 7) * 1024);
	page.write('page ' + id);
	return page.length; // dropped: collected
}

function handleRequest(id) {
	let n = renderPage(id);
	if (id % 4 === 0)
		n += cacheThumbnail(id);
	return n;
}

const end = Date.now() + seconds * 1000;
let id = 0, served = 0;
function batch() {
	for (let i = 0; i < 200; i++)
		served += handleRequest(id++);
	if (Date.now() < end)
		setImmediate(batch);
	else
		console.log(`served ${id} requests, ${thumbnails.length} thumbnails cached`);
}
batch();
