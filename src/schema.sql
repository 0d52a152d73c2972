-- schema.sql: the heapsnap snapshot schema, version 3.
-- One source of truth: compiled into libheapsnap.so (schema_sql.h) and
-- documented in doc/heapsnap-snapshot.5 (with the migration notes from
-- versions 1 and 2). Every snapshot file is written with exactly these statements,
-- then filled by the writer thread in one transaction. Views v_sites and
-- v_stack_frames are the stable query surface; tables may gain columns in
-- later versions (schema_version in meta).
--
-- Stacks are a call-site trie (since version 2): a node is a location and
-- a link to its caller's node, and stacks that share callers share nodes.
-- Version 3 stores the trie path-compressed: a callsites row is a run of
-- nodes, a chain of callers with no branch and no stack's end inside it,
-- and a stack is its innermost run (which ends at its innermost frame).
-- A file holds only the locations, frames and runs its stacks reference.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value
) WITHOUT ROWID;

-- Modules (executable and shared objects) mapped at snapshot time.
CREATE TABLE modules (
  id           INTEGER PRIMARY KEY,
  path         TEXT NOT NULL,
  build_id     TEXT,              -- hex, NULL when the module has none
  load_address INTEGER NOT NULL,  -- dlpi_addr: add to an ELF virtual address
  size         INTEGER            -- bytes spanned by its PT_LOAD segments
);

-- One row per distinct return address in the file's stacks.
CREATE TABLE locations (
  id          INTEGER PRIMARY KEY,
  address     INTEGER NOT NULL,   -- absolute return address in the process
  module_id   INTEGER REFERENCES modules(id),  -- NULL: in no module (JIT code...)
  offset      INTEGER,            -- address - module load address
  symbol      TEXT,               -- raw name: ELF symbol (mangled) or perf map entry
  jit         INTEGER NOT NULL DEFAULT 0,  -- 1: anonymous executable memory
  resolution  TEXT NOT NULL       -- unresolved | symbol | lines | jit | jit-unnamed
);

-- The functions executing at a location, innermost first: inline_depth 0
-- is the code the address is in (an inlined callee when the compiler
-- inlined), the last row the real, out-of-line function. A location has one
-- row until its lines are resolved. function is demangled; file and line
-- are NULL until resolved (by the tracker with symbolize=full, or by
-- `heapsnap symbolize`).
CREATE TABLE frames (
  location_id  INTEGER NOT NULL REFERENCES locations(id),
  inline_depth INTEGER NOT NULL,
  function     TEXT,
  file         TEXT,
  line         INTEGER,
  is_allocator INTEGER NOT NULL DEFAULT 0,  -- 1: allocator entry point or wrapper, never the call site
  PRIMARY KEY (location_id, inline_depth)
) WITHOUT ROWID;

-- The call-site trie, one row per run of nodes. A run's parent ends at the
-- caller of the run's first (outermost) location; roots (parent_id NULL)
-- start at the outermost frame. Every run ends where a stack ends or the
-- trie branches.
CREATE TABLE callsites (
  id           INTEGER PRIMARY KEY,
  parent_id    INTEGER REFERENCES callsites(id),  -- NULL for a root
  depth        INTEGER NOT NULL,  -- of the run's first location from the outermost frame (0-based)
  location_ids TEXT NOT NULL      -- JSON array of locations(id), outermost first: '[3,17,42]'
);

-- Distinct stacks. callsite_id: the run whose last location is the
-- innermost captured frame.
-- site_depth: position of the call site among the stack's frames in
-- v_stack_frames order (innermost first, inlined frames expanded); the
-- call site is the innermost frame that is not an allocator entry point or
-- a wrapper, frame (site_location_id, site_inline_depth).
CREATE TABLE stacks (
  id                INTEGER PRIMARY KEY,
  callsite_id       INTEGER REFERENCES callsites(id),  -- NULL for an empty stack
  nframes           INTEGER NOT NULL,   -- locations (return addresses) in the stack
  site_depth        INTEGER NOT NULL,
  site_location_id  INTEGER REFERENCES locations(id),
  site_inline_depth INTEGER,
  truncated         INTEGER NOT NULL DEFAULT 0,  -- 1: deeper than the depth option
  label_id          INTEGER REFERENCES labels(id)  -- heapsnap_set_label; NULL: none
);

-- Request labels (heapsnap_set_label) the file's stacks carry. A stack is
-- its frames and the label the thread had set: the same frames sampled
-- under two labels are two stacks (and two sites). "(other)" stands for
-- every label past the process's cap of 256 distinct ones.
CREATE TABLE labels (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL
);

-- Per-stack totals, estimated from samples (exact when sample=1).
CREATE TABLE sites (
  stack_id    INTEGER PRIMARY KEY REFERENCES stacks(id),
  live_bytes  INTEGER NOT NULL,
  live_count  INTEGER NOT NULL,
  alloc_bytes INTEGER NOT NULL,
  alloc_count INTEGER NOT NULL,
  free_bytes  INTEGER NOT NULL,
  free_count  INTEGER NOT NULL
);

-- Sampled allocations still live at snapshot time.
CREATE TABLE allocations (
  address      INTEGER PRIMARY KEY,
  size         INTEGER NOT NULL,  -- requested size in bytes
  weight_count REAL NOT NULL,     -- allocations this sample stands for
  weight_bytes INTEGER NOT NULL,  -- bytes this sample stands for
  stack_id     INTEGER NOT NULL REFERENCES stacks(id),
  time         REAL NOT NULL,     -- seconds since the tracker started
  thread       INTEGER NOT NULL   -- kernel thread id of the allocating thread
);

-- Public view: one row per stack, described by its call site. raw_function
-- is the innermost captured frame (the allocator's entry, or a wrapper);
-- label is the stack's request label (NULL: none).
CREATE VIEW v_sites AS
  SELECT s.stack_id, f.function, f.file, f.line, m.path AS module,
         s.live_bytes, s.live_count, s.alloc_bytes, s.alloc_count,
         s.free_bytes, s.free_count, rf.function AS raw_function,
         lb.name AS label
    FROM sites s
    JOIN stacks st ON st.id = s.stack_id
    LEFT JOIN labels lb ON lb.id = st.label_id
    LEFT JOIN frames f ON f.location_id = st.site_location_id AND f.inline_depth = st.site_inline_depth
    LEFT JOIN locations l ON l.id = st.site_location_id
    LEFT JOIN modules m ON m.id = l.module_id
    LEFT JOIN callsites c ON c.id = st.callsite_id
    LEFT JOIN frames rf ON rf.location_id = json_extract(c.location_ids, '$[#-1]') AND rf.inline_depth = 0;

-- Public view: the frames of each stack, innermost first, inlined frames
-- expanded. depth 0 is the call site, positive depths its callers, negative
-- depths the allocator entry points and wrappers inside it (strdup,
-- operator new, g_malloc...). location_depth counts return addresses from
-- the innermost (0); inline_depth is the frame's level at its location.
-- The walk goes up the runs (base: location_depth of the run's last
-- location) and json_each expands each run.
CREATE VIEW v_stack_frames AS
  WITH RECURSIVE walk(stack_id, base, callsite_id) AS (
    SELECT id, 0, callsite_id FROM stacks WHERE callsite_id IS NOT NULL
    UNION ALL
    SELECT w.stack_id, w.base + json_array_length(c.location_ids), c.parent_id
      FROM walk w JOIN callsites c ON c.id = w.callsite_id
     WHERE c.parent_id IS NOT NULL
  ),
  nodes AS (
    SELECT w.stack_id, w.base + json_array_length(c.location_ids) - 1 - j.key AS location_depth,
           j.value AS location_id
      FROM walk w
      JOIN callsites c ON c.id = w.callsite_id
      JOIN json_each(c.location_ids) j
  ),
  expanded AS (
    SELECT n.stack_id, n.location_depth, f.inline_depth, f.function, f.file, f.line,
           l.module_id, l.address,
           row_number() OVER (PARTITION BY n.stack_id
                              ORDER BY n.location_depth, f.inline_depth) - 1 AS position
      FROM nodes n
      JOIN locations l ON l.id = n.location_id
      JOIN frames f ON f.location_id = n.location_id
  )
  SELECT e.stack_id, e.position - st.site_depth AS depth,
         e.function, e.file, e.line, m.path AS module, e.address,
         e.location_depth, e.inline_depth
    FROM expanded e
    JOIN stacks st ON st.id = e.stack_id
    LEFT JOIN modules m ON m.id = e.module_id;
