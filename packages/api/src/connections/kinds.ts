import { ConnectorKindInfo } from '@quarry/contracts';
import { z } from 'zod';
import { workspaceProcedure } from '../trpc';
import { connectorKinds } from './services/connector-kinds';

export const kinds = workspaceProcedure
  .meta({ permission: 'workspace:member' })
  .output(z.array(ConnectorKindInfo))
  .query(() => connectorKinds());
