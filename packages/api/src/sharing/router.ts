import type { TRPCRouterRecord } from '@trpc/server';
import { duplicate } from './duplicate';
import { get } from './get';
import { setEditorsCanShare } from './set-editors-can-share';
import { share } from './share';
import { shareWithWeb } from './share-with-web';

/** A project's sharing: who has access and why, sharing it, the web and re-sharing switches, copies. */
export const sharingRouter = {
  get,
  share,
  shareWithWeb,
  setEditorsCanShare,
  duplicate,
} satisfies TRPCRouterRecord;
