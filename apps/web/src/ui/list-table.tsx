import type { ReactNode } from 'react';

type ListTableProps = {
  /** The columns' headers, in order; the last, unnamed column holds each row's actions. */
  columns: readonly string[];
  testId: string;
  className?: string;
  /** The rows. */
  children: ReactNode;
};

/**
 * A settings list (connections, secrets, identity providers): named columns and a last one for
 * the row's buttons, whose header only screen readers hear.
 */
export function ListTable({ columns, testId, className, children }: ListTableProps) {
  return (
    <div className="table-scroll">
      <table className={className ? `data-table ${className}` : 'data-table'} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
