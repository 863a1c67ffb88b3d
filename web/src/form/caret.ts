// Where the caret goes when a text changes under it (another person's typing arrives).

/**
 * The selection `[start, end]` in `after` that corresponds to `[start, end]` in `before`: the
 * texts' common prefix and suffix locate the change; a caret before it stays, one after it
 * moves by the change's length, one inside it goes to the change's end.
 */
export function moveCaret(before: string, after: string, start: number, end: number): [number, number] {
  let prefix = 0;
  const shortest = Math.min(before.length, after.length);
  while (prefix < shortest && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < shortest - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix++;
  }
  const changedEndBefore = before.length - suffix;
  const changedEndAfter = after.length - suffix;
  const delta = after.length - before.length;
  const move = (position: number) => {
    if (position <= prefix) return position;
    if (position >= changedEndBefore) return position + delta;
    return changedEndAfter;
  };
  return [move(start), move(end)];
}
