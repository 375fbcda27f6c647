import { Link } from '@tanstack/react-router';

export function NotFoundPage() {
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p className="muted">Nothing lives at this address.</p>
      <p>
        <Link to="/">Go to the project list</Link>
      </p>
    </section>
  );
}
