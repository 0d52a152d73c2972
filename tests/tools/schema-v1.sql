-- schema-v1.sql: the snapshot schema version 1, as heapsnap 0.1 wrote it (a copy of
-- src/schema.sql before version 2), for the fixtures that prove the tools
-- still read version-1 files.
-- One source of truth: compiled into libheapsnap.so (schema_sql.h) and
-- documented in doc/heapsnap-snapshot.5. Every snapshot file is written with
-- exactly these statements, then filled by the writer thread in one
-- transaction. Views v_sites and v_stack_frames are the stable query surface;
-- tables may gain columns in later versions (schema_version in meta).

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

-- One row per distinct return address seen in any stack.
CREATE TABLE frames (
  id           INTEGER PRIMARY KEY,
  address      INTEGER NOT NULL,  -- absolute return address in the process
  module_id    INTEGER REFERENCES modules(id),
  offset       INTEGER,           -- address - module load address
  function     TEXT,              -- NULL when no symbol covers the address
  file         TEXT,              -- source file, NULL without debug info
  line         INTEGER,
  is_allocator INTEGER NOT NULL DEFAULT 0  -- 1: malloc family, operator new, strdup...
);

-- Distinct stacks. site_depth: index (in stack_frames.raw_depth) of the call
-- site, the innermost frame outside the allocator's entry points.
CREATE TABLE stacks (
  id          INTEGER PRIMARY KEY,
  nframes     INTEGER NOT NULL,
  site_depth  INTEGER NOT NULL,
  truncated   INTEGER NOT NULL DEFAULT 0  -- 1: deeper than the depth option
);

CREATE TABLE stack_frames (
  stack_id   INTEGER NOT NULL REFERENCES stacks(id),
  raw_depth  INTEGER NOT NULL,    -- 0 = innermost captured frame
  frame_id   INTEGER NOT NULL REFERENCES frames(id),
  PRIMARY KEY (stack_id, raw_depth)
) WITHOUT ROWID;

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

-- Public view: one row per stack, described by its call site.
CREATE VIEW v_sites AS
  SELECT s.stack_id, f.function, f.file, f.line, m.path AS module,
         s.live_bytes, s.live_count, s.alloc_bytes, s.alloc_count,
         s.free_bytes, s.free_count
    FROM sites s
    JOIN stacks st ON st.id = s.stack_id
    LEFT JOIN stack_frames sf ON sf.stack_id = s.stack_id AND sf.raw_depth = st.site_depth
    LEFT JOIN frames f ON f.id = sf.frame_id
    LEFT JOIN modules m ON m.id = f.module_id;

-- Public view: the frames of each stack. depth 0 is the call site, positive
-- depths its callers, negative depths the allocator entry points inside it
-- (strdup, operator new...).
CREATE VIEW v_stack_frames AS
  SELECT sf.stack_id, sf.raw_depth - st.site_depth AS depth,
         f.function, f.file, f.line, m.path AS module, f.address
    FROM stack_frames sf
    JOIN stacks st ON st.id = sf.stack_id
    JOIN frames f ON f.id = sf.frame_id
    LEFT JOIN modules m ON m.id = f.module_id;
