import { Link } from '../../ui/link';
import { paths } from '../../ui/router';

export function NotFoundPage() {
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p className="muted">Nothing lives at this address.</p>
      <p>
        <Link href={paths.projects}>Go to the project list</Link>
      </p>
    </section>
  );
}
