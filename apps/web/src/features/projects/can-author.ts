/**
 * Whether the caller may edit and run a project's SQL. The server labels permissions for people
 * ("Can view"), and refuses anything beyond them anyway; this only spares a round trip.
 */
const READ_ONLY = new Set(['Can view', 'Can explore', 'can_view', 'can_explore']);

export const canAuthor = (permission: string): boolean => !READ_ONLY.has(permission);
