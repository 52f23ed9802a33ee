/** The description of every resource type's `version` field. */
export const VERSION_DESCRIPTION =
  'Opaque; changes whenever the resource changes. Pass it as ifVersion to a mutation to refuse the change (CONFLICT) if the resource changed since.';
