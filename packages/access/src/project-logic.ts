import { meetsProjectPermission, type ProjectAccess } from './project-permission';

/**
 * Can view is the data app, not its logic (the seed: project owners control access to "app logic,
 * and the data app itself" separately). From Can explore up, a project's logic is visible: each
 * cell's SQL, the data connection it runs on and the project's connections. At Can view (and for
 * visitors of an app shared with the web, who are capped there) it is not sent at all.
 */
export const canSeeProjectLogic = (effective: ProjectAccess): boolean =>
  meetsProjectPermission(effective, 'can_explore');
