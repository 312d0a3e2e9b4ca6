// Does a workflow's `on:` accept an event?  Written from GitHub's documentation:
//   * filter patterns: workflow-syntax "Filter pattern cheat sheet"
//   * on.push branches/tags (+ -ignore), on.pull_request branches (+ -ignore, matched against the
//     BASE branch), paths/paths-ignore, and the rule that defining only branch filters (or only
//     tag filters) makes the other kind of ref not trigger.
// GitHub's parser gives us the `on:` model (WorkflowTemplate.events) but does not evaluate it.
// Plain JS, no dependencies.

// ---------------------------------------------------------------------------------------------
// Filter patterns
// ---------------------------------------------------------------------------------------------
//   *    zero or more characters, but not "/"
//   **   zero or more of any character ("**/" also matches nothing, so "**/a" matches "a")
//   ?    zero or one of the preceding character
//   +    one or more of the preceding character
//   []   one character listed or in a range (a-z, A-Z, 0-9)
//   \    escapes the next character
//   !    (first character only) negates the pattern; handled by matchesPatternList()
// A pattern must match the whole name.

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const escapeRegex = (s) => s.replace(REGEX_SPECIAL, "\\$&");

/** Translate one filter pattern (without a leading "!") into an anchored RegExp. */
export function patternToRegex(pattern) {
  let out = "";
  // Whether the last emitted piece is a single "character" that ? and + can quantify
  // (a literal character or a [...] class -- not a wildcard, not already quantified).
  let quantifiable = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        if (pattern[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 3;
        } else {
          out += ".*";
          i += 2;
        }
      } else {
        out += "[^/]*";
        i += 1;
      }
      quantifiable = false;
    } else if (c === "?" || c === "+") {
      // Quantifies the preceding character; with nothing to quantify it is a literal.
      out += quantifiable ? c : escapeRegex(c);
      quantifiable = !quantifiable; // "a?" cannot be quantified again; a literal "?" can
      i += 1;
    } else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      const body = close < 0 ? "" : pattern.slice(i + 1, close);
      if (close < 0 || body === "" || !/^([A-Za-z0-9](-[A-Za-z0-9])?)+$/.test(body)) {
        throw new Error(`invalid filter pattern '${pattern}': bad [...] at position ${i}`);
      }
      out += `[${body}]`;
      i = close + 1;
      quantifiable = true;
    } else if (c === "\\") {
      if (i + 1 >= pattern.length) throw new Error(`invalid filter pattern '${pattern}': trailing \\`);
      out += escapeRegex(pattern[i + 1]);
      i += 2;
      quantifiable = true;
    } else {
      out += escapeRegex(c);
      i += 1;
      quantifiable = true;
    }
  }
  return new RegExp(`^${out}$`);
}

/**
 * Ordered pattern-list semantics: walk the patterns in order; a matching positive pattern
 * includes the name, a matching "!pattern" excludes it again; the last match wins.
 * Returns true when the name ends up included.
 */
export function matchesPatternList(name, patterns) {
  let included = false;
  for (const raw of patterns) {
    const negative = raw.startsWith("!");
    const regex = patternToRegex(negative ? raw.slice(1) : raw);
    if (regex.test(name)) included = !negative;
  }
  return included;
}

/**
 * A positive filter (`branches`) and its ignore list (`branches-ignore`).  GitHub forbids
 * giving both for one event (the parser reports that); if both are present we apply both.
 * Returns true when `name` passes.
 */
function passesFilter(name, include, ignore) {
  if (include !== undefined && !matchesPatternList(name, include)) return false;
  if (ignore !== undefined && matchesPatternList(name, ignore)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** Default activity types GitHub uses for events whose `types:` is not given. */
const DEFAULT_TYPES = {
  pull_request: ["opened", "synchronize", "reopened"],
  pull_request_target: ["opened", "synchronize", "reopened"],
};

/**
 * Paths filters need the list of changed files.  If the event gives `changed_files` we apply
 * `paths` (some file included) / `paths-ignore` (some file not ignored); otherwise we assume
 * the filter passes and say so in `notes`.
 */
function passesPaths(config, event, notes) {
  const paths = config.paths;
  const ignore = config["paths-ignore"];
  if (paths === undefined && ignore === undefined) return true;
  const files = event.changed_files;
  if (!Array.isArray(files)) {
    notes.push("paths/paths-ignore filter not evaluated (no changed_files in the event); assumed to pass");
    return true;
  }
  if (paths !== undefined && !files.some((f) => matchesPatternList(f, paths))) return false;
  if (ignore !== undefined && files.every((f) => matchesPatternList(f, ignore))) return false;
  return true;
}

/**
 * Does `on:` (WorkflowTemplate.events, as converted by GitHub's parser) accept the event?
 * @param {object} events  e.g. {push: {branches: ["main"], tags: ["v*"]}, workflow_dispatch: {}}
 * @param {object} event   the event description (event_name, ref, base_ref, action, ...)
 * @returns {{triggered: boolean, notes: string[]}}
 */
export function evaluateTrigger(events, event) {
  const notes = [];
  const name = event.event_name;
  if (!events || !Object.hasOwn(events, name)) return { triggered: false, notes };
  const config = events[name] ?? {};

  // Activity types (pull_request: opened/synchronize/reopened by default).
  const action = event.action ?? (DEFAULT_TYPES[name] ? DEFAULT_TYPES[name][0] : undefined);
  const types = config.types ?? DEFAULT_TYPES[name];
  if (types !== undefined && action !== undefined && !types.includes(action)) {
    return { triggered: false, notes };
  }

  const hasBranchFilter = config.branches !== undefined || config["branches-ignore"] !== undefined;
  const hasTagFilter = config.tags !== undefined || config["tags-ignore"] !== undefined;

  if (name === "push") {
    const ref = event.ref ?? "";
    if (ref.startsWith("refs/tags/")) {
      // Tag push: only tag filters matter; with branch filters only, tags do not trigger.
      // Paths filters are not evaluated for tag pushes.
      if (!hasTagFilter) return { triggered: !hasBranchFilter, notes };
      const tag = ref.slice("refs/tags/".length);
      return { triggered: passesFilter(tag, config.tags, config["tags-ignore"]), notes };
    }
    // Branch push (refs/heads/...): the mirror image, plus paths filters.
    if (!hasBranchFilter && hasTagFilter) return { triggered: false, notes };
    const branch = ref.replace(/^refs\/heads\//, "");
    if (hasBranchFilter && !passesFilter(branch, config.branches, config["branches-ignore"])) {
      return { triggered: false, notes };
    }
    return { triggered: passesPaths(config, event, notes), notes };
  }

  if (name === "pull_request" || name === "pull_request_target") {
    // Branch filters apply to the pull request's BASE branch.
    const base = (event.base_ref ?? "").replace(/^refs\/heads\//, "");
    if (hasBranchFilter && !passesFilter(base, config.branches, config["branches-ignore"])) {
      return { triggered: false, notes };
    }
    return { triggered: passesPaths(config, event, notes), notes };
  }

  // Any other event (workflow_dispatch, schedule, ...): present in `on:` is enough.
  if (hasBranchFilter || hasTagFilter) notes.push(`branch/tag filters of '${name}' not evaluated`);
  return { triggered: true, notes };
}
