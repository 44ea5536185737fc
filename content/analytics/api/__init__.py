"""Analytics endpoints: play logging (``plays``), insights and exports (``insights``), XP and
achievements (``intelligence``)."""
