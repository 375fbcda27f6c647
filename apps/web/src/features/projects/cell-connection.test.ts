import { describe, expect, it } from 'vitest';
import { connectionNoteText } from './cell-connection';

describe('connectionNoteText', () => {
  it.each([
    { reason: 'connection_deleted', text: 'The data connection “Sales” was deleted.' },
    { reason: 'connection_removed', text: 'The data connection “Sales” was removed from this project.' },
    {
      reason: 'project_connections_disabled',
      text: '“Sales” is a project data connection, and Admins have switched those off for this workspace.',
    },
  ] as const)('says why a cell lost its connection when it was $reason', ({ reason, text }) => {
    expect(connectionNoteText({ reason, connectionName: 'Sales' })).toBe(text);
  });
});
