/**
 * Table from GitHub's "Filter pattern cheat sheet" (workflow syntax for GitHub Actions):
 * "Patterns to match branches and tags", the special-character list and the negation examples.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesFilter, matchesRefFilters } from "../../../shared/router/branch-filter.ts";

const table: { patterns: string[]; matches: string[]; rejects: string[] }[] = [
  {
    patterns: ["feature/*"],
    matches: ["feature/my-branch", "feature/your-branch"],
    rejects: ["feature/beta-a/my-branch", "feature", "my-feature/x"],
  },
  {
    patterns: ["feature/**"],
    matches: ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"],
    rejects: ["features/x", "feature"],
  },
  {
    patterns: ["main", "releases/mona-the-octocat"],
    matches: ["main", "releases/mona-the-octocat"],
    rejects: ["main2", "mainline", "releases/mona", "x/main"],
  },
  { patterns: ["*"], matches: ["main", "releases"], rejects: ["releases/v1", "all/the/branches"] },
  { patterns: ["**"], matches: ["all/the/branches", "every/tag", "main"], rejects: [] },
  {
    patterns: ["*feature"],
    matches: ["mona-feature", "feature", "ver-10-feature"],
    rejects: ["feature-x", "a/feature"],
  },
  { patterns: ["v2*"], matches: ["v2", "v2.0", "v2.9"], rejects: ["v1.0", "v2/x", "xv2"] },
  {
    patterns: ["v[12].[0-9]+.[0-9]+"],
    matches: ["v1.10.1", "v2.0.0"],
    rejects: ["v3.0.0", "v1.x.1", "v1.10", "v1.10.1-rc"],
  },
  // special characters: `*` (Octo* matches Octocat), `?` zero or one of the preceding character, `[]`
  { patterns: ["Octo*"], matches: ["Octocat", "Octo"], rejects: ["Octo/cat"] },
  { patterns: ["page.jsx?"], matches: ["page.js", "page.jsx"], rejects: ["page.jsxx", "page.j"] },
  { patterns: ["[CB]at"], matches: ["Cat", "Bat"], rejects: ["Rat", "cat", "CBat"] },
  { patterns: ["[1-2]00"], matches: ["100", "200"], rejects: ["300", "1000"] },
  { patterns: ["release/v[0-9].[0-9]"], matches: ["release/v1.2"], rejects: ["release/v1.22", "release/v1x2"] },
  // negation, evaluated in order (on.push.branches docs: releases/** but not releases/**-alpha)
  {
    patterns: ["releases/**", "!releases/**-alpha"],
    matches: ["releases/10", "releases/beta/mona"],
    rejects: ["releases/10-alpha", "releases/beta/3-alpha", "main"],
  },
  { patterns: ["*.md", "!README.md"], matches: ["hello.md"], rejects: ["README.md", "docs/hello.md"] },
  {
    patterns: ["*.md", "!README.md", "README*"],
    matches: ["hello.md", "README.md", "README.doc"],
    rejects: ["docs/hello.md"],
  },
  { patterns: ["!main"], matches: [], rejects: ["main", "dev"] },
  // `+` is special: a literal plus needs a backslash
  { patterns: ["fix\\+1"], matches: ["fix+1"], rejects: ["fixx1", "fix1"] },
  { patterns: ["a+b"], matches: ["ab", "aab", "aaab"], rejects: ["b", "a+b"] },
];

describe("GitHub filter patterns", () => {
  for (const row of table) {
    it(`${JSON.stringify(row.patterns)} matches ${JSON.stringify(row.matches)}, not ${JSON.stringify(row.rejects)}`, () => {
      for (const name of row.matches) assert.equal(matchesFilter(name, row.patterns), true, `${name} should match`);
      for (const name of row.rejects)
        assert.equal(matchesFilter(name, row.patterns), false, `${name} should not match`);
    });
  }

  it("treats regex metacharacters in names literally", () => {
    assert.equal(matchesFilter("v1.2", ["v1.2"]), true);
    assert.equal(matchesFilter("v1x2", ["v1.2"]), false);
    assert.equal(matchesFilter("a(b)", ["a(b)"]), true);
  });
});

describe("branches and tags together (a tag push is not a branch push)", () => {
  it("matches every push when neither filter is set", () => {
    assert.equal(matchesRefFilters({ branch: "x" }, {}), true);
    assert.equal(matchesRefFilters({ tag: "v1" }, {}), true);
  });
  it("ignores tag pushes when only branches are set, and branch pushes when only tags are set", () => {
    assert.equal(matchesRefFilters({ tag: "main" }, { branches: ["**"] }), false);
    assert.equal(matchesRefFilters({ branch: "main" }, { branches: ["main"] }), true);
    assert.equal(matchesRefFilters({ branch: "v1" }, { tags: ["v*"] }), false);
    assert.equal(matchesRefFilters({ tag: "v1" }, { tags: ["v*"] }), true);
  });
  it("checks each kind against its own filter when both are set", () => {
    const f = { branches: ["main"], tags: ["v*"] };
    assert.equal(matchesRefFilters({ branch: "main" }, f), true);
    assert.equal(matchesRefFilters({ tag: "v2" }, f), true);
    assert.equal(matchesRefFilters({ tag: "main" }, f), false);
  });
});
