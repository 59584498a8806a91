-- Revenue per country.
SELECT country,
       round(sum(amount), 2) AS revenue,
       count(*) AS orders,
       count(DISTINCT customer_id) AS customers,
       sum(quantity) AS items
FROM silver.orders
GROUP BY country
