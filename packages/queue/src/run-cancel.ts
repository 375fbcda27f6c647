/**
 * The NOTIFY channel on which the API tells runners that a run was cancelled (payload: the run
 * id). The runner holding the run aborts it, which cancels its query on the database server; a
 * run not taken yet is never taken, because cancelling moved it out of `queued` first.
 */
export const RUN_CANCEL_CHANNEL = 'quarry_run_cancel';
