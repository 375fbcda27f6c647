import type { Actor, GroupId } from './actor';
import { isAdmin } from './actor';
import { firstSharedGroup } from './group-membership';

/** The kinds of workspace asset a project can import. */
export type AssetKind = 'connection' | 'secret' | 'git_package' | 'file_integration';

/** A workspace asset used by a project, with the groups allowed to use it (default: `workspace`). */
export type WorkspaceAsset = { kind: AssetKind; id: string; name: string; groupsWithAccess: GroupId[] };

/** How the product names each asset kind in sentences. */
export const ASSET_KIND_LABELS: Readonly<Record<AssetKind, string>> = Object.freeze({
  connection: 'connection',
  secret: 'secret',
  git_package: 'Git package',
  file_integration: 'file integration',
});

/** "connection 'warehouse'" */
export const describeAsset = (asset: WorkspaceAsset): string =>
  `${ASSET_KIND_LABELS[asset.kind]} '${asset.name}'`;

/** Admins inherit access to every workspace asset; anyone else needs to be in one of its groups. */
export const hasAssetAccess = (actor: Actor, asset: WorkspaceAsset): boolean =>
  isAdmin(actor) || firstSharedGroup(actor, asset.groupsWithAccess) !== undefined;

/** The assets, in order, the actor has no access to. */
export const assetsWithoutAccess = (actor: Actor, assets: readonly WorkspaceAsset[]): WorkspaceAsset[] =>
  assets.filter((asset) => !hasAssetAccess(actor, asset));
