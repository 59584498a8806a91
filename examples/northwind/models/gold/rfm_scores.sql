-- A full RFM scoring: each dimension in quintiles (5 = best).
SELECT client,
       recency_days,
       frequency,
       monetary,
       ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
       ntile(5) OVER (ORDER BY frequency) AS f_score,
       ntile(5) OVER (ORDER BY monetary) AS m_score
FROM (SELECT client,
             datediff((SELECT max(order_date) FROM silver.master_ventes), max(order_date)) AS recency_days,
             count(DISTINCT order_id) AS frequency,
             sum(montant_final) AS monetary
      FROM silver.master_ventes
      GROUP BY client) AS rfm
