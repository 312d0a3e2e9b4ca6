// GitHub Actions `strategy.matrix` expansion, written from GitHub's documentation
// (workflow-syntax "jobs.<job_id>.strategy.matrix", "Expanding or adding matrix configurations",
// "Excluding matrix configurations").  GitHub's parser (@actions/workflow-parser) does NOT
// expand matrices, so this is ours.  Plain JS, no dependencies: it works on the plain JSON
// value of `matrix` (see plainValue() in gha-plan.mjs).
//
// Algorithm:
//   1. dims = every key except `include` and `exclude`, in declaration order.
//   2. base = cartesian product of the dims' value lists (first dim varies slowest).
//   3. drop every base combination that matches some `exclude` entry; an exclude entry matches
//      when all of ITS keys equal the combination's values (a partial match is enough).
//   4. for each `include` entry, in order: merge it into every ORIGINAL (post-exclude)
//      combination where none of the entry's keys would overwrite an original dim value
//      (keys added by earlier includes may be overwritten).  If it merged nowhere, it is
//      appended as a new combination of its own (extras are never merged into each other).
//   5. legs = base (with merges) followed by the extras.  With no dims, legs = include list.
//
// Matrix keys are case-insensitive on GitHub, so key comparisons here ignore case; a merged
// key keeps the spelling already present in the combination.
//
// Matrix values keep their YAML types (numbers stay numbers: `go: [1.20]` is the number 1.2 on
// GitHub too) and may be objects; comparisons use deep equality.

/** Deep equality of plain JSON values. */
export function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** The key in `obj` equal to `key` ignoring case, or undefined. */
function findKey(obj, key) {
  const lower = key.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Expand a matrix.
 * @param {object} matrix plain JSON value of `strategy.matrix`
 * @returns {{legs: object[]|null, problems: string[]}} legs is null when the matrix cannot be
 *   expanded statically (an expression where a list or mapping is needed).
 */
export function expandMatrix(matrix) {
  const problems = [];
  if (!isPlainObject(matrix)) {
    return { legs: null, problems: [`matrix is not a mapping (${JSON.stringify(matrix)}); not expanded`] };
  }

  const dims = [];
  let include = [];
  let exclude = [];
  for (const [key, value] of Object.entries(matrix)) {
    const lower = key.toLowerCase();
    if (lower === "include" || lower === "exclude") {
      if (!Array.isArray(value) || !value.every(isPlainObject)) {
        problems.push(`matrix.${key} is not a list of mappings (${JSON.stringify(value)}); not expanded`);
        return { legs: null, problems };
      }
      if (lower === "include") include = value;
      else exclude = value;
    } else if (Array.isArray(value)) {
      dims.push([key, value]);
    } else {
      problems.push(`matrix.${key} is not a list (${JSON.stringify(value)}); not expanded`);
      return { legs: null, problems };
    }
  }

  // 1-2. Cartesian product in declaration order.  With no dims there are no base combinations.
  let base = [];
  if (dims.length > 0) {
    base = [{}];
    for (const [key, values] of dims) {
      base = base.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
    }
  }

  // 3. Exclude: partial match on the exclude entry's own keys.
  const matches = (combo, entry) =>
    Object.entries(entry).every(([k, v]) => {
      const ck = findKey(combo, k);
      return ck !== undefined && deepEqual(combo[ck], v);
    });
  base = base.filter((combo) => !exclude.some((entry) => matches(combo, entry)));

  // 4. Include.  `original` remembers each combination's dim values (post-exclude), which
  // includes may not overwrite; values added by includes may be overwritten.
  const original = base.map((combo) => ({ ...combo }));
  const extras = [];
  for (const entry of include) {
    let merged = false;
    base.forEach((combo, i) => {
      const overwritesOriginal = Object.entries(entry).some(([k, v]) => {
        const ok = findKey(original[i], k);
        return ok !== undefined && !deepEqual(original[i][ok], v);
      });
      if (overwritesOriginal) return;
      for (const [k, v] of Object.entries(entry)) combo[findKey(combo, k) ?? k] = v;
      merged = true;
    });
    if (!merged) extras.push({ ...entry });
  }

  const legs = [...base, ...extras];
  if (legs.length > 256) problems.push(`matrix expands to ${legs.length} legs; GitHub allows at most 256`);
  return { legs, problems };
}
