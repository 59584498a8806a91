WITH rfm AS (SELECT client, datediff(current_date(), max(order_date)) AS recency,
                    count(DISTINCT order_id) AS frequency, sum(montant_final) AS monetary
             FROM silver.master_ventes GROUP BY client)
SELECT client, ntile(5) OVER (ORDER BY recency DESC) AS r, ntile(5) OVER (ORDER BY frequency) AS f,
       ntile(5) OVER (ORDER BY monetary) AS m FROM rfm ORDER BY client NULLS LAST LIMIT 10;
