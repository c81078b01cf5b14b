/** The API's word about one field, right under it (see fieldProblems in studio.api.ts). */
export function FieldProblem(props: { problems: Record<string, string>; name: string }) {
  const message = props.problems[props.name];
  if (!message) return null;
  return <span className="field-problem">{message}</span>;
}
