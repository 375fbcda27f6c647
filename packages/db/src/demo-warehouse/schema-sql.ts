/** Bump when the SQL below changes, so existing demo data is rebuilt. */
export const DEMO_WAREHOUSE_VERSION = 1;

/**
 * A realistic e-commerce warehouse generated in the server with generate_series. `:orders` is
 * replaced by the order count (an integer we control). setseed makes every run produce the same data.
 */
export const DEMO_WAREHOUSE_SQL = `
select setseed(0.42);
set local maintenance_work_mem = '256MB';
drop view if exists daily_revenue, product_sales, customer_lifetime_value cascade;
drop table if exists order_items, orders, products, customers, quarry_demo_meta cascade;

create table quarry_demo_meta (version int not null, orders int not null);

create table customers (
  id integer not null,
  name text not null,
  email text not null,
  country text not null,
  segment text not null,
  signed_up_at timestamptz not null
);
insert into customers
select g,
  (array['Ada','Grace','Alan','Edsger','Barbara','Donald','Margaret','Ken','Radia','Tim','Linus','Frances'])[1 + (g % 12)]
    || ' ' || (array['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Hamilton','Thompson','Perlman','Berners-Lee','Torvalds','Allen'])[1 + ((g / 12) % 12)],
  'customer' || g || '@example.com',
  (array['US','GB','DE','FR','JP','BR','IN','CA','AU','NL'])[1 + floor(random() * 10)::int],
  (array['consumer','consumer','consumer','small_business','enterprise'])[1 + floor(random() * 5)::int],
  timestamptz '2021-01-01' + random() * interval '1400 days'
from generate_series(1, greatest(1000, :orders / 20)) g;

create table products (
  id integer not null,
  sku text not null,
  name text not null,
  category text not null,
  price numeric(10,2) not null
);
insert into products
select g,
  'SKU-' || lpad(g::text, 5, '0'),
  (array['Classic','Pro','Mini','Ultra','Eco','Smart'])[1 + (g % 6)] || ' ' ||
    (array['Lamp','Chair','Desk','Mug','Backpack','Notebook','Headphones','Kettle','Monitor','Plant'])[1 + ((g / 6) % 10)],
  (array['home','office','kitchen','electronics','outdoors'])[1 + (g % 5)],
  round((5 + random() * 495)::numeric, 2)
from generate_series(1, 2000) g;

create table orders (
  id bigint not null,
  customer_id integer not null,
  status text not null,
  channel text not null,
  ordered_at timestamptz not null,
  shipped_at timestamptz,
  total numeric(12,2) not null
);
insert into orders
select g,
  1 + floor(random() * greatest(1000, :orders / 20))::int,
  (array['delivered','delivered','delivered','shipped','processing','cancelled','returned'])[1 + floor(random() * 7)::int],
  (array['web','web','mobile','marketplace','retail'])[1 + floor(random() * 5)::int],
  o.at,
  case when random() < 0.85 then o.at + random() * interval '6 days' end,
  round((10 + random() * 990)::numeric, 2)
from generate_series(1, :orders) g
cross join lateral (select timestamptz '2022-01-01' + (g::double precision / :orders) * interval '1400 days' as at) o;

create table order_items (
  order_id bigint not null,
  line integer not null,
  product_id integer not null,
  quantity integer not null,
  unit_price numeric(10,2) not null
);
insert into order_items
select o.id, l, 1 + floor(random() * 2000)::int, 1 + floor(random() * 4)::int, round((5 + random() * 495)::numeric, 2)
from orders o
cross join lateral generate_series(1, 1 + (o.id % 3)::int) l;

-- Keys after the bulk load: one sort per index instead of millions of single lookups.
alter table customers add primary key (id);
alter table products add primary key (id), add unique (sku);
alter table orders add primary key (id), add foreign key (customer_id) references customers(id);
alter table order_items add primary key (order_id, line),
  add foreign key (order_id) references orders(id), add foreign key (product_id) references products(id);
create index orders_customer_idx on orders (customer_id);
create index orders_ordered_at_idx on orders (ordered_at);

create view daily_revenue as
  select date_trunc('day', ordered_at)::date as day, count(*) as orders, sum(total) as revenue
  from orders where status <> 'cancelled' group by 1;

create view product_sales as
  select p.id, p.name, p.category, sum(i.quantity) as units, sum(i.quantity * i.unit_price) as revenue
  from order_items i join products p on p.id = i.product_id group by p.id, p.name, p.category;

create view customer_lifetime_value as
  select c.id, c.name, c.country, c.segment, count(o.id) as orders, coalesce(sum(o.total), 0) as lifetime_value
  from customers c left join orders o on o.customer_id = c.id group by c.id, c.name, c.country, c.segment;
`;
